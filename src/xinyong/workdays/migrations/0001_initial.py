"""The working-day calendar moves here from the core app; its tables keep their names (no data is copied).

On a database migrated before the move the tables already exist (core 0001 created them): this migration only
adds the models to the state, and core 0002 removes them from the core app's state. The content types are
renamed so that the permissions, admin history and other references to them stay attached.
"""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in ("calendarday", "calendaryear"):
        if not content_type.objects.using(db).filter(app_label="workdays", model=model).exists():
            content_type.objects.using(db).filter(app_label="core", model=model).update(app_label="workdays")


def restore_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in ("calendarday", "calendaryear"):
        if not content_type.objects.using(db).filter(app_label="core", model=model).exists():
            content_type.objects.using(db).filter(app_label="workdays", model=model).update(app_label="core")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CalendarDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(error_messages={'unique': '该日期已登记，请直接修改原有记录。'}, unique=True, verbose_name='日期')),
                        ('kind', models.CharField(choices=[('holiday', '法定节假日'), ('adjusted_workday', '调休上班')], help_text='法定节假日：周一至周五中放假的日期；调休上班：周六或周日中上班的日期。', max_length=20, verbose_name='类别')),
                        ('is_workday', models.GeneratedField(db_persist=True, expression=models.Q(('kind', 'adjusted_workday')), output_field=models.BooleanField(), verbose_name='上班')),
                        ('name', models.CharField(help_text='如：元旦、春节、国庆节', max_length=100, verbose_name='节日名称')),
                        ('source', models.CharField(choices=[('package', 'chinese-calendar 数据包'), ('operator', '人工录入')], default='operator', max_length=20, verbose_name='来源')),
                        ('note', models.CharField(blank=True, help_text='如放假通知文号：国办发明电〔××××〕×号', max_length=200, verbose_name='备注')),
                        ('entered_at', models.DateTimeField(auto_now=True, verbose_name='录入时间')),
                        ('entered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='录入人')),
                    ],
                    options={
                        'db_table': 'core_calendarday',
                'verbose_name': '工作日历',
                        'verbose_name_plural': '工作日历',
                        'ordering': ['date'],
                    },
                ),
                migrations.CreateModel(
                    name='CalendarYear',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(error_messages={'unique': '该年度已存在，请直接修改原有记录。'}, unique=True, validators=[django.core.validators.MinValueValidator(1990), django.core.validators.MaxValueValidator(2100)], verbose_name='年度')),
                        ('status', models.CharField(choices=[('pending', '未录入完毕'), ('complete', '已录入')], default='pending', max_length=20, verbose_name='状态')),
                        ('source', models.CharField(choices=[('package', 'chinese-calendar 数据包'), ('operator', '人工录入')], default='operator', max_length=20, verbose_name='来源')),
                        ('note', models.CharField(blank=True, help_text='国务院办公厅关于该年度部分节假日安排的通知文号，格式如：国办发明电〔××××〕×号', max_length=200, verbose_name='依据文件')),
                        ('confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='确认时间')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
                        ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='确认人')),
                    ],
                    options={
                        'db_table': 'core_calendaryear',
                'verbose_name': '工作日历年度',
                        'verbose_name_plural': '工作日历年度',
                        'ordering': ['-year'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('status', 'complete'), _negated=True), ('confirmed_at__isnull', False), _connector='OR'), name='core_calendaryear_complete_has_confirmed_at')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
